"""Real handwriting from paper: labelled scans of digits (sets.py) and how well they are read the
way a user's file is read (benchmark.py, tools/eval_scans.py)."""
