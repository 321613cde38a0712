if __name__ == "__main__":  # not when a child process (multiprocessing's spawn) imports it
    import multiprocessing

    multiprocessing.freeze_support()  # a frozen build's child processes run their task only
    from steward.launcher import main

    raise SystemExit(main())
