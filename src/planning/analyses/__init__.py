"""The analyses: calibration, back-test, recovery, uncertainty and sensitivity, optimisation, what it would take, progress against targets and the annual review."""
