"""Many runs of a scenario: ensembles with bands, calibration and global sensitivity."""
