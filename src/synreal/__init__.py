"""synreal: what is my synthetic data worth against real data?"""

__version__ = "0.1.0"
