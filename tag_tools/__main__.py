from tag_tools.cli import main

raise SystemExit(main())
