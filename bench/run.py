"""Benchmark entry point: `python bench/run.py TASK DATASET_DIR [options]`.

Each task lives in bench/tasks/TASK.py and defines `run(dataset: Path, options: list[str]) -> dict`.
The metrics are printed one `name=value` per line, the headline metric last (the task's dict order).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

# The checkout's own photocheck (its root) before an installed one, then the bench's helpers (bench/).
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]


def available_tasks() -> list[str]:
    folder = Path(__file__).resolve().parent / "tasks"
    return sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in available_tasks():
        print(f"usage: python bench/run.py TASK DATASET_DIR [options]; tasks: {', '.join(available_tasks())}",
              file=sys.stderr)
        return 2
    task, dataset, options = argv[0], Path(argv[1]), argv[2:]
    if not dataset.exists():
        print(f"dataset {dataset} not found", file=sys.stderr)
        return 2
    metrics = importlib.import_module(f"tasks.{task}").run(dataset, options)
    for name, value in metrics.items():
        print(f"{name}={value:.4f}" if isinstance(value, float) else f"{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
