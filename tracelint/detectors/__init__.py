"""Detectors: one module per detector, each with its rules and a ``detect`` function."""
