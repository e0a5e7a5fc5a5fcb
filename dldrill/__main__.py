from dldrill.cli import main

raise SystemExit(main())
