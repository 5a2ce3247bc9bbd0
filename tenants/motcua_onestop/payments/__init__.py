"""Online fee payment (issue 16, item 2; ADR 0047): a payment gateway per province, counter payments,
refunds on withdrawal, reconciliation and the e-receipt."""
