"""Values files read (one a line, CSV/TSV, YAML, JSON), several made a grid, and each row typed to the
notebook's parameters (typed.py). Imports only notebook/, errors.py and runner/."""
