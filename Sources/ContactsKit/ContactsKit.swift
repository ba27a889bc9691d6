// ContactsKit (in progress).
