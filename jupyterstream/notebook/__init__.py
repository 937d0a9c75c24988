"""The notebook's contract: its parameters and their defaults, a value's text converted to a
default's type, the injected cell, and each kernel language (lang/). Below values/: it imports only
errors.py and runner/."""
