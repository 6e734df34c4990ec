from pledgetrack.cli.app import main

main()
