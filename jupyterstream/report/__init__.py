"""What the collector found, written: report.html, master.ipynb, metrics.csv and runs.csv (write.py),
their sections, charts, tile map and the figures' gallery (figures/). The last stage: it may import
every stage below it, and none imports it but sweep.py and cli.py."""
