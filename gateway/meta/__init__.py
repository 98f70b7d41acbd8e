"""The meta database: gw_* tables, their migrations, repository functions and runtime settings."""
