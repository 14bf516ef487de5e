import sys

from connectors.netsuite.sandbox.app import main

sys.exit(main())
