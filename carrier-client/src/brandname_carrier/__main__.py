import sys

from brandname_carrier.cli import main

sys.exit(main())
