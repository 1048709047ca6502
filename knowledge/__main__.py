"""python -m knowledge build | search | eval | bench | chunks"""

from knowledge.cli import main

raise SystemExit(main())
