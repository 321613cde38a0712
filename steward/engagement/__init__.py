"""Engagement: metrics, 1:1 connections and the knowledge library."""
