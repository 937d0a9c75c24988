"""Everything before and around GNU parallel: the plan and its staged notebooks, the notebook's input
files, the servers and their preflight, the parallel command line, what ships to a host. Imports
values/, notebook/, errors.py, atomic.py and runner/; never collect/ or report/."""
