"""WHEN: the day's ordered plan and the run loop."""
