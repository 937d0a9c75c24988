"""Executed runs read back: one summary per planned run (its status, metrics, figures, errors), kept in
an index so a repeat collect reads only what changed; the joblog; failures grouped. Imports
launch/ and below; never report/."""
