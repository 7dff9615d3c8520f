/** A deterministic e-commerce data set: the same seed always gives the same rows. */

export interface SeedSize {
  readonly users: number;
  readonly products: number;
  readonly orders: number;
}

export const DEFAULT_SIZE: SeedSize = { users: 1000, products: 2000, orders: 5000 };

/** `size` with every count multiplied by `scale`. */
export function scaledSize(size: SeedSize, scale: number): SeedSize {
  return { users: size.users * scale, products: size.products * scale, orders: size.orders * scale };
}

const CATEGORIES = [
  'headphones',
  'laptops',
  'phones',
  'cameras',
  'monitors',
  'keyboards',
  'mice',
  'speakers',
  'tablets',
  'watches',
  'chargers',
  'storage',
];
const BRANDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne'];
const ADJECTIVES = [
  'wireless',
  'compact',
  'pro',
  'ultra',
  'silent',
  'rugged',
  'portable',
  'gaming',
  'studio',
  'travel',
];
const COLORS = ['black', 'white', 'silver', 'blue', 'red'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'CA'];
const FIRST = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Dennis'];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Hamilton',
  'Ritchie',
];
const START = Date.UTC(2026, 9, 1);
const DAY = 86_400_000;

/** mulberry32: a small, fast, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width = 5) => String(n).padStart(width, '0');

export function userId(i: number): string {
  return `u${pad(i)}`;
}

export function productId(i: number): string {
  return `p${pad(i)}`;
}

export function* generateUsers(size: SeedSize, random = prng(1)) {
  for (let i = 0; i < size.users; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(random() * LAST.length)]!;
    yield {
      id: userId(i),
      email: `${first.toLowerCase()}.${last.toLowerCase()}.${i}@example.com`,
      name: `${first} ${last}`,
      country: COUNTRIES[Math.floor(random() * COUNTRIES.length)]!,
      createdAt: new Date(START - Math.floor(random() * 365) * DAY),
    };
  }
}

export function orderId(i: number): string {
  return `o${pad(i, 6)}`;
}

export function productCategory(i: number): string {
  return CATEGORIES[i % CATEGORIES.length]!;
}

export function* generateProducts(size: SeedSize, random = prng(2)) {
  for (let i = 0; i < size.products; i++) {
    const category = productCategory(i);
    const brand = BRANDS[Math.floor(random() * BRANDS.length)]!;
    const adjective = ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]!;
    const noun = category.replace(/s$/, '');
    yield {
      id: productId(i),
      name: `${brand} ${adjective} ${noun} ${i}`,
      description: `A ${adjective} ${noun} by ${brand}, model ${i}. Built for everyday use with a ${pad(i % 97, 2)}-month warranty.`,
      category,
      price: Math.round((10 + random() * 990) * 100) / 100,
      tags: [adjective, noun, brand.toLowerCase()],
      specs: {
        brand,
        color: COLORS[Math.floor(random() * COLORS.length)]!,
        weightGrams: 50 + Math.floor(random() * 3000),
      },
      stock: Math.floor(random() * 50),
    };
  }
}

/**
 * Orders skew toward a popular head of products and keep related products
 * together (the next few products in the same category), so "bought together"
 * has signal.
 */
export function* generateOrders(size: SeedSize, prices: (index: number) => number, random = prng(3)) {
  for (let i = 0; i < size.orders; i++) {
    const user = Math.floor(random() ** 1.5 * size.users);
    const anchor = Math.floor(random() ** 2 * size.products);
    const count = 1 + Math.floor(random() * 4);
    const picked = new Set<number>([anchor]);
    while (picked.size < count) {
      const related = (anchor + CATEGORIES.length * (1 + Math.floor(random() * 3))) % size.products;
      picked.add(random() < 0.7 ? related : Math.floor(random() * size.products));
    }
    const items = [...picked].map((p) => ({
      productId: productId(p),
      category: productCategory(p),
      qty: 1 + Math.floor(random() * 3),
      unitPrice: prices(p),
    }));
    yield {
      id: orderId(i),
      userId: userId(user),
      status: 'placed' as const,
      placedAt: new Date(START + Math.floor(random() * 30) * DAY + Math.floor(random() * DAY)),
      items,
      total: Math.round(items.reduce((sum, item) => sum + item.qty * item.unitPrice, 0) * 100) / 100,
    };
  }
}
