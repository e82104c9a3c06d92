#!/usr/bin/python3
"""libmsi as an SQL oracle for the olkit-msi-query tests.

Usage: libmsi_query.py PACKAGE < queries

Each input line is a JSON object {"sql": "...", "params": [null, 1, "x"]}
("params" optional: without it the query runs with an empty record). Each
output line answers one input line, in order, as compact ASCII JSON:
  {"error":"..."}                     the query was rejected (parse,
                                      prepare, execute or fetch failed)
  {"names":[...],"types":[...],"rows":[[...],...]}
Field values: null, an integer, a string, or {"stream":"<hex bytes>"}.
Types are libmsi's column type strings ("s72", "I2", "V0", ...).

Runs under Debian's /usr/bin/python3 with python3-gi and
gir1.2-libmsi-1.0 (.ci/install-deps installs them). Exits 3 with a
message on stderr when those are missing.
"""

import json
import sys

try:
    import gi

    gi.require_version("Libmsi", "1.0")
    from gi.repository import GLib, Libmsi
except (ImportError, ValueError) as e:
    sys.stderr.write("libmsi oracle unavailable (%s): run .ci/install-deps\n" % e)
    sys.exit(3)


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=True, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def read_stream(stream):
    data = bytearray()
    while True:
        chunk = stream.read_bytes(65536, None).get_data()
        if not chunk:
            return bytes(data)
        data += chunk


def field(rec, index, ty):
    if rec.is_null(index):
        return None
    kind = ty[:1].lower()
    if kind == "v":
        return {"stream": read_stream(rec.get_stream(index)).hex()}
    if kind in ("i", "j"):
        return rec.get_int(index)
    return rec.get_string(index)


def run(db, request):
    params = request.get("params", [])
    record = Libmsi.Record.new(len(params))
    for i, value in enumerate(params, 1):
        if value is None:
            continue
        if isinstance(value, int):
            record.set_int(i, value)
        else:
            record.set_string(i, value)
    query = Libmsi.Query.new(db, request["sql"])
    query.execute(record)
    count = query.get_column_info(Libmsi.ColInfo.NAMES).get_field_count()
    names_rec = query.get_column_info(Libmsi.ColInfo.NAMES)
    types_rec = query.get_column_info(Libmsi.ColInfo.TYPES)
    names = [names_rec.get_string(i) for i in range(1, count + 1)]
    types = [types_rec.get_string(i) for i in range(1, count + 1)]
    rows = []
    while True:
        rec = query.fetch()
        if rec is None:
            break
        rows.append([field(rec, i, types[i - 1]) for i in range(1, count + 1)])
    query.close()
    return {"names": names, "types": types, "rows": rows}


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: libmsi_query.py PACKAGE < queries.jsonl\n")
        sys.exit(2)
    db = Libmsi.Database.new(sys.argv[1], Libmsi.DbFlags.READONLY, None)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            emit(run(db, request))
        except GLib.Error as e:
            emit({"error": e.message or str(e.code)})


main()
