from pledgetrack.cli.entry import main

main()
