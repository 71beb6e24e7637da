"""Approving forms and creating Parent Portal accounts: usernames, passwords, credential letters,
export, revocation and retention."""
