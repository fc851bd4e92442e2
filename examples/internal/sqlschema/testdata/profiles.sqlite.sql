-- The schema of a memrel DB for SQLite, written by memrel.WriteSQLSchema.
PRAGMA foreign_keys = ON;

CREATE TABLE "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL
);

CREATE TABLE "profiles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "user_id" INTEGER NOT NULL,
    "timezone" TEXT NOT NULL,
    "marketing_opt_in" BOOLEAN NOT NULL,
    CONSTRAINT "profiles_user_key" UNIQUE ("user_id"),
    CONSTRAINT "profiles_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
);

CREATE TABLE "patients" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL
);

CREATE TABLE "patient_medical_records" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "patient_id" INTEGER NOT NULL,
    "blood_type" TEXT NOT NULL,
    "allergies" TEXT NOT NULL,
    CONSTRAINT "patient_medical_records_patient_key" UNIQUE ("patient_id"),
    CONSTRAINT "patient_medical_records_patient_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients" ("id") ON DELETE CASCADE
);
