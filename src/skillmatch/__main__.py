import sys

from .cli import main

if __name__ == "__main__":  # worker processes started by spawn (Dask, multiprocessing) import this module too
    sys.exit(main())
