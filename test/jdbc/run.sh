#!/usr/bin/env bash
# The BI queries of doc/bi.md through a real JDBC client (Debian's libpostgresql-jdbc-java,
# compiled with default-jdk-headless) and through pandas with psycopg2.
#   bash test/jdbc/run.sh
# Connects where the libpq variables point (PGHOST, PGPORT) as PGUSER, a superuser, which
# only creates the plain role (MEDRES_USER, default medres_user, made if missing), a database
# medres_jdbc owned by it and the extensions (postgis and medres_postgis too when the server
# has PostGIS).  Everything else runs as the plain role: the page's setup blocks through psql,
# then BiQueries.java and pandas_check.py.  A PGHOST that is a directory is reached over its
# Unix socket (UnixSocketFactory.java: no TCP needed), a host name over TCP.
# Prints ok/not ok lines, then "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
jar=${PGJDBC_JAR:-/usr/share/java/postgresql.jar}
role=${MEDRES_USER:-medres_user}
db=medres_jdbc
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
for tool in javac java; do
  command -v $tool >/dev/null || { echo "not ok 1 - $tool is missing (Debian: default-jdk-headless)"; echo "0 passed, 1 failed"; exit 1; }
done
[ -f "$jar" ] || { echo "not ok 1 - no $jar (Debian: libpostgresql-jdbc-java)"; echo "0 passed, 1 failed"; exit 1; }

work=$(mktemp -d /tmp/medres-jdbc.XXXXXX)
trap 'rm -rf "$work"; q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null' EXIT
exts="CREATE EXTENSION medres;"
[ -n "$(q -A -t -d postgres -c "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")" ] &&
  exts="CREATE EXTENSION postgis; $exts CREATE EXTENSION medres_postgis;"
q -d postgres -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
                   CREATE ROLE $role LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END\$\$" \
  -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER $role" &&
  q -d $db -c "$exts" ||
  { echo "not ok 1 - could not create database $db"; echo "0 passed, 1 failed"; exit 1; }

# the page's setup: its ```sql blocks that no output block follows
/usr/bin/python3 - doc/bi.md >"$work/setup.sql" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for m in re.finditer(r"^```sql\n(.*?)^```\n(\s*```\n)?", text, flags=re.S | re.M):
    if not m.group(2):
        print(m.group(1))
PY
if ! PGUSER=$role q -d $db -f "$work/setup.sql" >"$work/setup.log" 2>&1; then
  cat "$work/setup.log"; echo "not ok 1 - the setup blocks of doc/bi.md fail"; echo "0 passed, 1 failed"; exit 1
fi
if ! javac -Xlint:all -Werror -d "$work/classes" -cp "$jar" test/jdbc/*.java >"$work/javac.log" 2>&1; then
  cat "$work/javac.log"; echo "not ok 1 - test/jdbc does not compile"; echo "0 passed, 1 failed"; exit 1
fi
PGUSER=$role PGDATABASE=$db java -cp "$work/classes:$jar" BiQueries doc/bi.md | tee "$work/jdbc.out"
PGUSER=$role PGDATABASE=$db /usr/bin/python3 test/jdbc/pandas_check.py doc/bi.md | tee "$work/pandas.out"
cat "$work/jdbc.out" "$work/pandas.out" | awk '/^[0-9]+ passed, [0-9]+ failed$/ {p += $1; f += $3}
  END {printf "%d passed, %d failed\n", p, f; exit (f > 0 || p == 0)}'
