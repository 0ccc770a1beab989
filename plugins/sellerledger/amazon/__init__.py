"""Amazon Selling Partner API client (LWA auth, regions, rate limits, paging, orders, finances, reports) and the settlement file parser."""
