"""Wave (public GraphQL API): invoices and money transactions, exactly once.

`client_from_connection(conn)` gives the `LedgerClient` for one business (see `client`); `render` holds
the document mapping, `refdata` the cached accounts, sales taxes, customers and products, `update` the
reverse-and-recreate of write-once documents, `errors` how Wave's HTTP-200 errors are classified.

What each accounting `DocumentKind` becomes in Wave:

| DocumentKind | Wave object |
|---|---|
| `order_invoice` | `invoiceCreate` (status SAVED, so it posts; a DRAFT found is approved) to the marketplace's customer (created on first use), one item per income line: product = SKU or category label with its income account (created on first use), Wave sales tax on taxed lines, `poNumber` = Amazon order id, subhead/memo = marketplace and tracking number. Lines on non-income accounts (tax collected on a liability) are booked by the settlement clearing transaction instead. With no income line left: a money transaction like a credit note. |
| `credit_note` | `moneyTransactionCreate` anchored on a bank account with amount 0 (Wave has no credit-note mutation): refund lines on their accounts, the total off accounts receivable for the customer |
| `settlement_summary` | `moneyTransactionCreate`: anchor = the bank account, DEPOSIT of the payout (or the payable, WITHDRAWAL, when it is a card / money-in-transit account; otherwise a zero anchor with the payable as a line), one line item per account line (fees, refunds, reserves, tax, carried forward) |
| `settlement_clearing` | `moneyTransactionCreate` like the summary, with the invoices and credit notes cleared off accounts receivable (with the customer) |

Every money transaction carries `externalId` = the document key (write-once); every invoice carries
`invoiceNumber` = `SL-<digest of the document identity>`, which `find` looks up.
"""

from sellerledger.ledgers.wave.client import WaveClient, client_from_connection

__all__ = ["WaveClient", "client_from_connection"]
