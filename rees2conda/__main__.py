"""``python -m rees2conda``."""

from rees2conda.cli import main

if __name__ == "__main__":
    main()
