from photocheck.cli import main

main()
