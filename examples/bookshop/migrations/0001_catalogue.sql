CREATE TABLE catalogue_book (
    isbn        text PRIMARY KEY,
    title       text NOT NULL,
    price_cents integer NOT NULL,
    on_hand     integer NOT NULL DEFAULT 100
);
CREATE TABLE basket_line (
    id         bigserial PRIMARY KEY,
    basket_ref text NOT NULL,
    isbn       text NOT NULL REFERENCES catalogue_book (isbn),
    qty        integer NOT NULL
);
