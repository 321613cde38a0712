from steward.launcher import main

raise SystemExit(main())
