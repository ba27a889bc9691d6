Warroom.main()
