"""Printing the machine-readable application form and the pack a school posts to families.

``render`` draws the blank form from its template; ``pack`` adds the invitation letter and the
policies; ``qr`` holds the page identity carried in every page's QR code.
"""
