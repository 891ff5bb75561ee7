"""``python -m rees2conda``."""

from rees2conda.entry import main

if __name__ == "__main__":
    main()
