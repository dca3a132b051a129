/**
 * The files a new workspace can start with. Each program runs as it is with the cell's
 * Python 3 and its numpy and pandas (the templates test runs them).
 */
import type { WorkspaceTemplate } from '@workcell/protocol';

export interface TemplateFile {
  path: string;
  content: string;
}

const starterScript = `# Your workspace's first script: press ▶ Run (F5) to run it, or type
# \`python3 script.py\` in the terminal.
print("Hello, World!")
`;

const helloNumpy = `"""Your first Workcell script: run it with \`python3 script.py\` in the terminal."""
import numpy as np

print("Hello from Workcell!")

squares = np.arange(1, 6) ** 2
print(f"Squares of 1..5: {squares.tolist()} (sum {squares.sum()})")
print(f"Their mean: {squares.mean():.1f}")

a = np.array([[1, 2], [3, 4]])
b = np.array([[0, 1], [1, 0]])
print("A matrix product, A @ B:")
print(a @ b)
`;

const pandasAnalysis = `"""Sales by region and product: run it with \`python3 analysis.py\` in the terminal."""
from pathlib import Path

import pandas as pd

# Read the CSV next to this script, wherever it is run from.
sales = pd.read_csv(Path(__file__).parent / "data" / "sales.csv", parse_dates=["date"])
sales["revenue"] = sales["units"] * sales["price"]

print(f"{len(sales)} sales from {sales['date'].min():%d %b %Y} to {sales['date'].max():%d %b %Y}")
print()
print("Revenue by region:")
by_region = sales.groupby("region")[["units", "revenue"]].sum()
print(by_region.sort_values("revenue", ascending=False).to_string())
print()
print("Units by region and product:")
by_product = sales.pivot_table(
    index="region", columns="product", values="units", aggfunc="sum", fill_value=0
)
print(by_product.to_string())
`;

const salesCsv = `date,region,product,units,price
2024-01-03,North,Widget,12,2.50
2024-01-04,South,Gadget,5,10.00
2024-01-05,East,Widget,8,2.50
2024-01-08,West,Gizmo,3,25.00
2024-01-09,North,Gadget,7,10.00
2024-01-10,South,Widget,15,2.50
2024-01-11,East,Gizmo,2,25.00
2024-01-12,West,Widget,11,2.50
2024-01-15,North,Gizmo,4,25.00
2024-01-16,South,Gadget,6,10.00
2024-01-17,East,Gadget,11,10.00
2024-01-18,West,Gadget,4,10.00
2024-01-19,North,Widget,20,2.50
2024-01-22,South,Gizmo,1,25.00
2024-01-23,East,Widget,14,2.50
2024-01-24,West,Gizmo,5,25.00
2024-01-25,North,Gadget,3,10.00
2024-01-26,South,Widget,10,2.50
2024-01-29,East,Gizmo,6,25.00
2024-01-30,West,Widget,7,2.50
`;

export const templates: Record<WorkspaceTemplate, readonly TemplateFile[]> = {
  script: [{ path: 'script.py', content: starterScript }],
  empty: [],
  'hello-numpy': [{ path: 'script.py', content: helloNumpy }],
  'pandas-csv': [
    { path: 'analysis.py', content: pandasAnalysis },
    { path: 'data/sales.csv', content: salesCsv },
  ],
};
