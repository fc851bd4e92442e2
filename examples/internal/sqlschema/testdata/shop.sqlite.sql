-- The schema of a memrel DB for SQLite, written by memrel.WriteSQLSchema.
PRAGMA foreign_keys = ON;

CREATE TABLE "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL
);

CREATE TABLE "products" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "price_cents" INTEGER NOT NULL,
    CONSTRAINT "uniq_product_sku" UNIQUE ("sku"),
    CONSTRAINT "price_cents_gte_0" CHECK (price_cents >= 0)
);

CREATE TABLE "orders" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "customer_id" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL,
    "paid" BOOLEAN NOT NULL,
    CONSTRAINT "orders_customer_fkey" FOREIGN KEY ("customer_id") REFERENCES "users" ("id") ON DELETE RESTRICT -- memrel Protect: refused at once, row by row (memrel refuses even when the row goes by another cascade)
);
CREATE INDEX "orders_customer_idx" ON "orders" ("customer_id");

CREATE TABLE "order_items" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "order_id" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unit_price_cents" INTEGER NOT NULL,
    CONSTRAINT "quantity_gte_1" CHECK (quantity >= 1),
    CONSTRAINT "order_items_order_fkey" FOREIGN KEY ("order_id") REFERENCES "orders" ("id") ON DELETE CASCADE,
    CONSTRAINT "order_items_product_fkey" FOREIGN KEY ("product_id") REFERENCES "products" ("id") ON DELETE RESTRICT -- memrel Protect: refused at once, row by row (memrel refuses even when the row goes by another cascade)
);
CREATE INDEX "order_items_order_idx" ON "order_items" ("order_id");
CREATE INDEX "order_items_product_idx" ON "order_items" ("product_id");
