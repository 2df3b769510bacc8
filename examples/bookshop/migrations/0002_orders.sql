CREATE TABLE shop_order (
    ref         text PRIMARY KEY,
    basket_ref  text NOT NULL,
    pay_token   text NOT NULL UNIQUE,
    state       text NOT NULL,
    total_cents integer NOT NULL,
    placed_at   timestamptz NOT NULL DEFAULT now(),
    paid_at     timestamptz
);
CREATE TABLE paygate_charge (
    charge_no    text PRIMARY KEY,
    idem_key     text NOT NULL UNIQUE,
    merchant_ref text,
    amount_cents integer,
    outcome      text NOT NULL,
    created      timestamptz NOT NULL DEFAULT now()
);
