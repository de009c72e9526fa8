#!/usr/bin/env python3
# The floor of SQLite itself for one sync (issue 7): the statements a
# `POST /api/sync/runs` of 100 points runs (RunService::writeOne and
# AuditService::append: project lookup, existing-run check, the run row with its
# four indexes, 100 metric rows under their foreign key, two compliance rows,
# the audit head update and entry) on the product's own schema and PRAGMAs,
# from Python's sqlite3 module (C loops for executemany), with no HTTP, JSON,
# Qt or hashing. Whatever the server does, it cannot sync faster than this.
#   bench/sqlite_floor.py [runs=3000] [syncs per transaction=1 4 16]
import hashlib, json, os, sqlite3, struct, sys, tempfile, time, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
MIGRATIONS = os.path.join(HERE, "..", "models", "migrations", "sqlite")


def store(path):
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL"):
        db.execute(pragma)
    for name in sorted(os.listdir(MIGRATIONS)):
        db.executescript(open(os.path.join(MIGRATIONS, name)).read())
    # What the data step of migration metric_chunks does to a fresh store.
    db.execute("DROP TABLE run_metrics")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def fill(db):
    now = int(time.time() * 1000)
    user, ws, proj = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    # Only the columns without defaults matter; fill each NOT NULL one generically.
    def insert(table, given):
        info = db.execute(f"PRAGMA table_info({table})").fetchall()
        row = dict(given)
        for _, name, typ, notnull, default, _pk in info:
            if name not in row and notnull and default is None:
                row[name] = now if "INT" in typ.upper() else "x"
        db.execute(f"INSERT INTO {table} ({','.join(row)}) VALUES ({','.join('?' * len(row))})", list(row.values()))
    insert("users", {"id": user, "email": "floor@example.com"})
    insert("workspaces", {"id": ws, "name": "floor", "owner_id": user})
    insert("projects", {"id": proj, "workspace_id": ws, "name": "floor"})
    return user, ws, proj


def sync(db, user, ws, proj, n):
    now = int(time.time() * 1000)
    db.execute("SELECT workspace_id FROM projects WHERE id = ?", (proj,)).fetchone()
    cid = f"floor-{n}"
    db.execute("SELECT id FROM runs WHERE project_id = ? AND client_run_id = ?", (proj, cid)).fetchone()
    run = str(uuid.uuid4())
    manifest = json.dumps({"seed": n}, separators=(",", ":"))
    db.execute("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, started_at, finished_at, "
               "created_at, manifest, evidence, metric_count, log_bytes, created_by) VALUES "
               "(?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (project_id, client_run_id) DO NOTHING",
               (run, proj, ws, cid, "load", "completed", None, None, now, manifest, "unsigned", 100, 0, user))
    # The 100 points as one chunk (runs/MetricStore.h); raw pairs stand in for
    # the codec's bytes, whose cost is not the store's.
    points = struct.pack("<" + "qd" * 100, *[x for i in range(100) for x in (i, 1.0 / (i + 1))])
    db.execute("INSERT INTO run_metric_chunks (run_id, name, first_step, last_step, points, data) VALUES (?,?,?,?,?,?)",
               (run, "loss", 0, 99, 100, points))
    db.executemany("INSERT INTO compliance_mappings (run_id, framework, control, status, evidence) VALUES (?,?,?,?,?)",
                   [(run, "eu-ai-act", "integrity.signature", "missing", "The run carries no signature."),
                    (run, "eu-ai-act", "provenance.manifest", "present", "sha256")])
    seq, prev = db.execute("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").fetchone()
    detail = json.dumps({"project_id": proj, "client_run_id": cid, "name": "load", "evidence": "unsigned", "metric_count": 100})
    h = hashlib.sha256((prev + detail).encode()).hexdigest()
    db.execute("INSERT INTO audit_log (seq, id, at, actor_id, workspace_id, action, target_type, target_id, ip, detail, "
               "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
               (seq, str(uuid.uuid4()), now, user, ws, "run.sync", "run", run, None, detail, prev, h))
    db.execute("UPDATE audit_head SET hash = ? WHERE id = 1", (h,))


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    batches = [int(b) for b in sys.argv[2:]] or [1, 4, 16]
    print(f"# bench/sqlite_floor.py {runs}: SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL, "
          f"foreign_keys=ON, 100 points a run, one fresh store per row")
    print("| syncs per transaction | runs | seconds | runs/s |")
    print("| ---: | ---: | ---: | ---: |")
    for per in batches:
        with tempfile.TemporaryDirectory() as d:
            db = store(os.path.join(d, "floor.sqlite"))
            user, ws, proj = fill(db)
            t = time.perf_counter()
            for n in range(runs):
                if n % per == 0:
                    db.execute("BEGIN IMMEDIATE")
                sync(db, user, ws, proj, n)
                if n % per == per - 1 or n == runs - 1:
                    db.execute("COMMIT")
            s = time.perf_counter() - t
            print(f"| {per} | {runs} | {s:.2f} | {runs / s:,.0f} |")


if __name__ == "__main__":
    main()
