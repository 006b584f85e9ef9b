import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { startingClient } from './client.js';
import { prefetchResults } from './results-request.js';
import './styles.css';

prefetchResults(startingClient(), window.location.hash);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
