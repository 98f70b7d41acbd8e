"""The demo data set: a deterministic ERP schema and rows for `gateway demo` and the product's tests."""
