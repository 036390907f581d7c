"""The error a calibration stops with."""


class CalibrationError(RuntimeError):
    """A calibration that cannot go on: failed runs, a stale work folder, nothing to fit."""
