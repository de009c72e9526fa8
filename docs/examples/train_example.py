# SPDX-License-Identifier: Apache-2.0
"""A toy training loop synced to WorldFlux Console while it trains.

    export WFX_URL=http://127.0.0.1:8787 WFX_API_KEY=wfx_... WFX_PROJECT_ID=<project uuid>
    python3 docs/examples/train_example.py --steps 200

It starts a run, logs loss and reward at every step (sent in the background,
`--batch-size` points per sync), writes a log line every tenth step, finishes
the run, uploads a checkpoint file in parts and prints the run's id and a share
link. Python 3.11 standard library only; worldflux_client.py sits beside it.
--summary FILE writes what was sent as JSON (the test command checks the
server against it).
"""

import argparse
import json
import math
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from worldflux_client import Client, WorldFluxError, sha256_of  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("WFX_URL", "http://127.0.0.1:8787"))
    parser.add_argument("--project", default=os.environ.get("WFX_PROJECT_ID"),
                        help="project id (WFX_PROJECT_ID)")
    parser.add_argument("--name", default="toy-dreamer")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=100, help="points per sync")
    parser.add_argument("--flush-interval", type=float, default=5.0, help="seconds between syncs at most")
    parser.add_argument("--step-seconds", type=float, default=0.0, help="time one training step takes")
    parser.add_argument("--checkpoint-bytes", type=int, default=3 * 1024 * 1024)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--summary", help="write what was sent to this JSON file")
    args = parser.parse_args()
    api_key = os.environ.get("WFX_API_KEY")
    if not api_key or not args.project:
        parser.error("set WFX_API_KEY and WFX_PROJECT_ID (or --project)")

    client = Client(args.url, api_key)
    rng = random.Random(args.seed)
    sent = []
    log = []
    try:
        manifest = {"algo": "toy-dreamer", "seed": args.seed, "steps": args.steps}
        with client.start_run(args.project, args.name, manifest=manifest,
                              batch_size=args.batch_size, flush_interval=args.flush_interval) as run:
            print(f"run {run.id} started (client_run_id {run.client_run_id})", flush=True)
            for step in range(args.steps):
                time.sleep(args.step_seconds)  # the training step would be here
                loss = 2.0 * math.exp(-step / 50) + 0.05 * rng.random()
                reward = 100.0 * (1 - math.exp(-step / 80)) + rng.gauss(0, 1)
                run.log_metrics({"loss": loss, "reward": reward}, step=step)
                sent += [{"name": "loss", "step": step, "value": loss},
                         {"name": "reward", "step": step, "value": reward}]
                if step % 10 == 0:
                    line = f"step {step}: loss {loss:.4f} reward {reward:.2f}\n"
                    run.log_text(line)
                    log.append(line)

            # A checkpoint, written where a trainer would write it.
            workdir = tempfile.mkdtemp(prefix="wfx-example-")
            checkpoint = os.path.join(workdir, "model.ckpt")
            with open(checkpoint, "wb") as f:
                f.write(rng.randbytes(args.checkpoint_bytes))
        # Leaving the block sent every queued point and finished the run.
        print(f"run finished: {run.run['status']}, {run.run['metric_count']} points "
              f"in {run.batches_sent} batches", flush=True)

        artifact = client.upload_artifact(
            run.id, checkpoint,
            progress=lambda done, total: print(f"checkpoint part {done}/{total} uploaded", flush=True))
        print(f"artifact {artifact['id']} {artifact['state']} ({artifact.get('size_bytes')} bytes)")

        # The link shows the run's charts and the checkpoint's name and size.
        share = client.create_share(run.id, artifact_id=artifact["id"])
        print(f"run id: {run.id}")
        print(f"share link: {share['url']}")
    except WorldFluxError as e:
        print(f"worldflux error: {e}", file=sys.stderr)
        return 1

    if args.summary:
        with open(args.summary, "w") as f:
            json.dump({"run_id": run.id, "client_run_id": run.client_run_id, "name": args.name,
                       "batches": run.batches_sent, "metrics": sent, "log": "".join(log),
                       "artifact_id": artifact["id"], "checkpoint": checkpoint,
                       "sha256": sha256_of(checkpoint), "size_bytes": os.path.getsize(checkpoint),
                       "share_url": share["url"], "share_token": share["token"]}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
