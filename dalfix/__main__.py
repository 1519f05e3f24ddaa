from dalfix.replay import main

if __name__ == "__main__":
    main()
