"""The injection corpus: quote breaking, comments, stacked queries, UNION, blind forms, encodings, names.

Base payloads are combined with a few wrappers so that each family also appears encoded; the corpus holds
well over 200 distinct strings. None of them matches a demo row by accident.
"""

from __future__ import annotations

from urllib.parse import quote

QUOTE_BREAKING = (
    "x' or '1'='1", "x' or 1=1 --", "x') or ('1'='1", "x\" or \"1\"=\"1", "' or ''='", "'' or 1=1",
    "\\' or 1=1 --", "x'; --", "%' --", "%' or '%'='", "x' and 1=0 union select 1 --", "a'||'b",
    "x' + 'y", "x'::text or 'a'='a", "x' collate nocase --", "') or true --", "x' or true or '",
    "x' ) ) or 1=1 --", "x' or name like '%", "x' or 1 in (select 1) --",
)  # fmt: skip
COMMENTS = (
    "x'/*", "x' /* comment */ or 1=1 --", "x'#", "x' -- -", "x';#", "*/ or 1=1 /*", "x'/**/or/**/1=1--",
    "x' --\n or 1=1", "x'\r\n--", "/*!50000 or 1=1*/",
)  # fmt: skip
STACKED = (
    "'; DROP TABLE c_bpartner; --", "x'; DELETE FROM c_order; --", "x'; UPDATE c_bpartner SET name='p'; --",
    "1; DROP TABLE c_order", "x'; INSERT INTO gw_user(name) VALUES('evil'); --", "x'; TRUNCATE c_order; --",
    "x'; ATTACH DATABASE '/tmp/x' AS x; --", "x'; PRAGMA writable_schema=1; --", "x'; SET ROLE postgres; --",
    "x'; COPY c_bpartner TO '/tmp/x'; --", "x'; SHUTDOWN; --", "x'; CREATE TABLE pwn(a int); --",
)  # fmt: skip
UNION = (
    "x' UNION SELECT name, password_hash FROM gw_user --", "x' UNION ALL SELECT NULL --",
    "x' union select 1,2,3,4,5,6,7,8 --", "x' UNION SELECT sqlite_version() --",
    "x' UNION SELECT version() --",
    "x' UNION SELECT @@version --", "x' UNION SELECT table_name FROM information_schema.tables --",
    "x' UNION SELECT sql FROM sqlite_master --", "0 UNION SELECT 1", ") UNION SELECT * FROM gw_secret --",
)  # fmt: skip
BLIND = (
    "x' AND 1=1 --", "x' AND 1=2 --", "x' AND SUBSTR(name,1,1)='a' --",
    "x' AND (SELECT COUNT(*) FROM gw_user)>0 --",
    "x' AND pg_sleep(5) IS NULL --", "x'; SELECT pg_sleep(5); --", "x' AND SLEEP(5) --", "x' OR SLEEP(5)='",
    "x' AND BENCHMARK(50000000,MD5(1)) --", "x' AND randomblob(500000000) --",
    "x' AND 1=(SELECT 1 FROM pg_sleep(5)) --", "1 AND (SELECT * FROM (SELECT(SLEEP(5)))a)",
    "x' WAITFOR DELAY '0:0:5' --", "x' AND (SELECT CASE WHEN 1=1 THEN 1 ELSE 1/0 END)=1 --",
    "x' AND extractvalue(1,concat(0x7e,version())) --", "x' AND updatexml(1,concat(0x7e,user()),1) --",
)  # fmt: skip
IDENTIFIERS = (
    "Name;DROP", "Name--", "(SELECT 1)", "1", "Name;DELETE FROM c_order", "C_OrderLine) UNION SELECT",
    "\"Name\"", "`Name`", "[Name]", "Name desc; --", "Name,(select 1)", "gw_user", "../gw_user",
    "..%2Fgw_user",
    "c_order;drop", "Name)", "Name\" = 1 --", "Name; DROP", "sqlite_master", "information_schema.tables",
    "pg_catalog.pg_user", "mysql.user", "Name/**/", "Name#", "Name or 1=1", "*", "Name,*", "$filter",
)  # fmt: skip
ENCODING = (
    "x\x00' or 1=1 --", "\u2019 or \u20191\u2019=\u20191", "\u02bc or 1=1 --", "x\uff07 or 1=1 --",
    "%27 or 1=1 --", "%2527 or 1=1", "&#39; or 1=1 --", "\\x27 or 1=1", "\\u0027 or 1=1", "x\u0000",
    "\ud7ff' or 1=1", "x'\u200b or 1=1", "é' OR 'é'='é", "\u0130' or 1=1", "x%00' or 1=1",
    "\\\\' or 1=1 --", "x\\", "\\", "x\t' or\t1=1", "x\n' or 1=1",
)  # fmt: skip
MISC = (
    "@Name@", "@#AD_Client_ID@", "${jndi:ldap://x}", "{{7*7}}", "<script>alert(1)</script>",
    "' + (select 1) + '",
    "1e309", "-1", "99999999999999999999999999", "NaN", "null", "true", "'' ''", "''''", "'", "\"", "`", ";",
    "--", "/*", "*/", "()", "(", ")", ",", ":", "a:b", "%", "_", "\\%",
)  # fmt: skip

BASE = QUOTE_BREAKING + COMMENTS + STACKED + UNION + BLIND + IDENTIFIERS + ENCODING + MISC


def _variants(payload: str) -> tuple[str, ...]:
    return (payload, payload.upper(), quote(payload, safe=""))


def corpus() -> tuple[str, ...]:
    """Every payload, plain, upper-cased and percent-encoded once (distinct, in a stable order)."""
    return tuple(dict.fromkeys(v for p in BASE for v in _variants(p)))


PAYLOADS = corpus()
assert len(PAYLOADS) >= 200, len(PAYLOADS)


def odata_literal(payload: str) -> str:
    """The payload as a valid OData string literal (quotes doubled)."""
    return "'" + payload.replace("'", "''") + "'"


SAMPLE = tuple(dict.fromkeys(BASE + tuple(quote(p, safe="") for p in BASE)))[:210]
assert len(SAMPLE) >= 200, len(SAMPLE)
"""Every base payload plus encoded ones: the 200+ strings sent through the costlier slots."""
