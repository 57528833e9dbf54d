"""Tools for looking inside trained runs: logged curves and gradient diagnostics.

Used by the notebooks (`notebooks/`) and usable on any run's workdir or networks.
"""
