from hantu.entrypoints.cli import main

main()
