"""The front ends: command line, dashboard and app, reports and charts, batch runs and the notebooks' helpers."""
