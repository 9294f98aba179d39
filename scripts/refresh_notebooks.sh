#!/usr/bin/env bash
# Re-execute the committed notebooks in place, on purpose, after a model change, so that the
# reference outputs nbval compares against are refreshed. Review the diff before committing:
# every changed figure in it is a changed model result.
#
#   scripts/refresh_notebooks.sh                      # every notebooks/*.ipynb
#   scripts/refresh_notebooks.sh notebooks/a.ipynb    # only these
#
# Each notebook runs in its own folder with the defaults of its `parameters` cell (seeded, so
# the outputs are reproducible), through nbclient (nbconvert's executor, which honours
# `raises-exception` tags); run metadata (timings, papermill stamps, widget state, random
# cell ids) is stripped. A notebook that fails is left untouched and the script exits 1.
# Then check: .venv/bin/python -m pytest --nbval --nbval-current-env \
#               --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks/
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"

if [ "$#" -gt 0 ]; then
  notebooks=("$@")
else
  mapfile -t notebooks < <(find notebooks -maxdepth 1 -name '*.ipynb' -type f | sort)
fi
if [ "${#notebooks[@]}" -eq 0 ]; then
  echo "Không có sổ nào trong notebooks/ / no notebooks found in notebooks/" >&2
  exit 1
fi
exec "$PY" -m planning.frontends.batch refresh "${notebooks[@]}"
