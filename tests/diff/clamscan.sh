#!/usr/bin/env bash
# clamscan.sh — differential tests: the same signatures and inputs through
# clamscan (the reference) and assay; the detections must be the same.
set -u
exec python3 "$(dirname "$0")/clamscan_diff.py" "$@"
