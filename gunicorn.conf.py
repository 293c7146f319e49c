"""gunicorn's settings file, read from the working directory by every `gunicorn` start (make run, Procfile).

Rate limits and failed-attempt budgets are counted in RATELIMIT_STORAGE_URI. `memory://` is each
process's own memory: with two worker processes every limit would be twice as loose (issue #15
measured 36 wrong API passwords in 2 minutes against 20 an hour). So a server of several worker
*processes* must share a storage (Redis); one process with threads (`make run`) shares its memory.
"""
import os


def on_starting(server):
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # bench/bench_ballots.py measures ballots, which count no limit, and says so with this variable.
    per_process_on_purpose = os.environ.get("RATELIMIT_PER_PROCESS") == "1"
    if server.cfg.workers > 1 and storage.startswith("memory://") and not per_process_on_purpose:
        raise RuntimeError(
            f"{server.cfg.workers} worker processes with RATELIMIT_STORAGE_URI={storage}: each would count "
            "rate limits alone, so every limit would be looser than documented. Set RATELIMIT_STORAGE_URI "
            "to a shared storage (redis://…), or serve with one worker and threads (--workers 1 --threads 4).")
