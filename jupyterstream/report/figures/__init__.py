"""The runs' figures in the report: the gallery, chart specs drawn to PNG offline, the sandboxed
interactive viewer, SVG sanitising, and master.ipynb's figures cell."""
